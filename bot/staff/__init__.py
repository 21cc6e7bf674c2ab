"""Staff: the cases that need a person, and what people decide on them.

`desk` holds the decisions (every one an event on the engine's path), `cases` and `card`
what a case shows, `telegram` the staff group, `terms` what staff type, `limits` the
/limits and /setlimit commands, `people` who is on staff. The web admin's staff page
(`bot.admin.staff_views`) uses the same desk.
"""
