// The takeover chat opens on its newest messages, like any chat.
const messages = document.getElementById("messages");
if (messages) messages.scrollTop = messages.scrollHeight;
