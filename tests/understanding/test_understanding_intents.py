"""What a debtor means, in Spanish (four countries), English and Brazilian Portuguese."""

from datetime import date

import pytest

from bot.understanding import LOW_CONFIDENCE, Intent, Reason, understand

TODAY = date(2026, 11, 18)

CASES: list[tuple[str, str, Intent]] = [
    # greeting, thanks, affirm, deny: only when nothing else is said
    ("es-CO", "buenas tardes", Intent.GREETING),
    ("es-MX", "quiubo", Intent.GREETING),
    ("en-US", "hello there", Intent.GREETING),
    ("pt-BR", "boa noite", Intent.GREETING),
    ("es-PE", "muchísimas gracias", Intent.THANKS),
    ("en-US", "thx a lot", Intent.THANKS),
    ("pt-BR", "obg", Intent.THANKS),
    ("es-CO", "sí, de acuerdo", Intent.AFFIRM),
    ("es-CL", "ya po", Intent.AFFIRM),
    ("es-MX", "órale", Intent.AFFIRM),
    ("en-US", "yep sounds good", Intent.AFFIRM),
    ("pt-BR", "beleza", Intent.AFFIRM),
    ("es-MX", "nel", Intent.DENY),
    ("es-CO", "no señor", Intent.DENY),
    ("en-US", "nope", Intent.DENY),
    ("pt-BR", "não, obrigado", Intent.DENY),
    # asking
    ("es-CO", "cuanto es lo que debo en total?", Intent.ASK_BALANCE),
    ("es-MX", "de cuánto es mi adeudo?", Intent.ASK_BALANCE),
    ("en-US", "how much do i owe", Intent.ASK_BALANCE),
    ("pt-BR", "quanto está minha dívida?", Intent.ASK_BALANCE),
    ("es-CO", "puedo pagar por daviplata?", Intent.ASK_PAYMENT_METHODS),
    ("es-MX", "me pasa la clabe interbancaria", Intent.ASK_PAYMENT_METHODS),
    ("es-PE", "aceptan plin?", Intent.ASK_PAYMENT_METHODS),
    ("en-US", "can i pay with paypal?", Intent.ASK_PAYMENT_METHODS),
    ("pt-BR", "me passa a chave pix", Intent.ASK_PAYMENT_METHODS),
    # paying
    ("es-CO", "ya lo cancelé la semana pasada", Intent.ALREADY_PAID),
    ("es-CO", "ya page", Intent.ALREADY_PAID),
    ("es-MX", "ya quedó liquidado, le mandé el comprobante", Intent.ALREADY_PAID),
    ("en-US", "I already paid this last week", Intent.ALREADY_PAID),
    ("pt-BR", "já paguei ontem, segue comprovante", Intent.ALREADY_PAID),
    ("es-CL", "puedo pagar en cuotas?", Intent.REQUEST_PLAN),
    ("es-CO", "me pueden diferir la deuda a seis meses?", Intent.REQUEST_PLAN),
    ("en-US", "can i set up a payment plan", Intent.REQUEST_PLAN),
    ("pt-BR", "Dá para parcelar em 5 vezes?", Intent.REQUEST_PLAN),
    ("es-MX", "me hacen un descuento si liquido todo?", Intent.REQUEST_DISCOUNT),
    ("en-US", "can you waive the late fees?", Intent.REQUEST_DISCOUNT),
    ("pt-BR", "tem desconto pra pagar à vista?", Intent.REQUEST_DISCOUNT),
    # not paying
    ("es-CO", "no tengo plata este mes", Intent.CANT_PAY),
    ("en-US", "I can't pay right now", Intent.CANT_PAY),
    ("pt-BR", "não tenho como pagar agora", Intent.CANT_PAY),
    ("es-CO", "nunca me llegó la factura", Intent.DIDNT_RECEIVE_INVOICE),
    ("en-US", "I never received a statement, can you email it?", Intent.DIDNT_RECEIVE_INVOICE),
    ("pt-BR", "o boleto não chegou, manda de novo?", Intent.DIDNT_RECEIVE_INVOICE),
    ("es-MX", "yo nunca contraté ese servicio", Intent.DISPUTE),
    ("en-US", "you charged me twice for the same month", Intent.DISPUTE),
    ("pt-BR", "esse valor está errado", Intent.DISPUTE),
    ("es-CO", "numero equivocado, yo no soy esa persona", Intent.WRONG_PERSON),
    ("en-US", "wrong number, no one named Maria lives here", Intent.WRONG_PERSON),
    ("pt-BR", "não conheço essa pessoa", Intent.WRONG_PERSON),
    ("es-CO", "kiero ablar con un asesor", Intent.TALK_TO_HUMAN),
    ("es-PE", "nesesito hablar con una persona", Intent.TALK_TO_HUMAN),
    ("en-US", "let me talk to a real person", Intent.TALK_TO_HUMAN),
    ("pt-BR", "quero falar com um atendente", Intent.TALK_TO_HUMAN),
    ("es-CO", "no me escriban más", Intent.OPT_OUT),
    ("en-US", "STOP texting me", Intent.OPT_OUT),
    ("pt-BR", "parem de me mandar mensagem", Intent.OPT_OUT),
    ("es-MX", "son unos rateros", Intent.ABUSE),
    ("en-US", "you are all thieves", Intent.ABUSE),
    ("pt-BR", "bando de ladrões", Intent.ABUSE),
    ("es-CO", "quien gano el partido anoche", Intent.UNKNOWN),
    ("en-US", "lol", Intent.UNKNOWN),
    ("pt-BR", "🤔", Intent.UNKNOWN),
]


@pytest.mark.parametrize(("locale", "text", "intent"), CASES)
def test_the_debtor_s_meaning_is_read(locale: str, text: str, intent: Intent) -> None:
    assert understand(text, locale, TODAY).intent is intent


def test_cancelar_a_bill_is_paying_in_colombia_but_not_in_mexico() -> None:
    assert understand("ya cancelé la factura", "es-CO", TODAY).intent is Intent.ALREADY_PAID
    assert understand("ya cancelé la factura", "es-MX", TODAY).intent is not Intent.ALREADY_PAID
    promise = understand("le cancelo el viernes", "es-CO", TODAY)
    assert (promise.intent, promise.date) == (Intent.PROMISE_TO_PAY, date(2026, 11, 20))


def test_a_cancelled_service_is_a_dispute() -> None:
    text = "cancelé el servicio en julio y me siguen cobrando"
    assert understand(text, "es-CO", TODAY).intent is Intent.DISPUTE


def test_greetings_and_several_sentences_do_not_hide_the_point() -> None:
    text = "Hola buenas tardes 👋. Disculpe la demora. Ya pagué ayer por Nequi 🙏"
    assert understand(text, "es-CO", TODAY).intent is Intent.ALREADY_PAID


def test_emoji_yes_and_no() -> None:
    assert understand("👍", "es-CO", TODAY).intent is Intent.AFFIRM
    assert understand("👌🏽", "pt-BR", TODAY).intent is Intent.AFFIRM
    assert understand("👎", "en-US", TODAY).intent is Intent.DENY
    assert understand("🌮", "es-MX", TODAY).intent is Intent.UNKNOWN


@pytest.mark.parametrize(
    ("locale", "text", "reason"),
    [
        ("es-CO", "me quedé sin trabajo y no puedo pagar", Reason.JOB_LOSS),
        ("es-CL", "estoy cesante", Reason.JOB_LOSS),
        ("en-US", "got laid off last month, can't pay", Reason.JOB_LOSS),
        ("pt-BR", "fui demitido, não consigo pagar", Reason.JOB_LOSS),
        ("es-MX", "estoy enfermo y no he podido trabajar", Reason.ILLNESS),
        ("en-US", "i'm in the hospital, can't pay this month", Reason.ILLNESS),
        ("pt-BR", "tô internado, não consigo pagar", Reason.ILLNESS),
        ("es-PE", "el negocio está flojo, no hay ventas", Reason.BUSINESS_SLOW),
        ("en-US", "business is slow and my clients haven't paid me", Reason.BUSINESS_SLOW),
        ("pt-BR", "as vendas da loja caíram, não consigo pagar", Reason.BUSINESS_SLOW),
        ("es-CO", "no tengo plata, estoy pelado", Reason.NO_MONEY),
        ("en-US", "money is tight this month, can't pay", Reason.NO_MONEY),
        ("pt-BR", "tô sem dinheiro esse mês", Reason.NO_MONEY),
    ],
)
def test_cant_pay_carries_the_reason_given(locale: str, text: str, reason: Reason) -> None:
    result = understand(text, locale, TODAY)
    assert (result.intent, result.reason) == (Intent.CANT_PAY, reason)


def test_cant_pay_without_a_reason_has_none() -> None:
    result = understand("no puedo pagar", "es-CO", TODAY)
    assert (result.intent, result.reason) == (Intent.CANT_PAY, None)


@pytest.mark.parametrize(
    ("locale", "text", "count"),
    [
        ("es-CO", "lo puedo pagar en 3 cuotas?", 3),
        ("es-CO", "me lo difieren a seis meses", 6),
        ("es-CL", "se puede dividir en dos partes?", 2),
        ("es-MX", "me dejan pagarlo en 12 quincenas?", 12),
        ("en-US", "can i pay it over 6 months", 6),
        ("pt-BR", "quero parcelar em 5 vezes", 5),
        ("pt-BR", "da pra parcelar no cartão em 12x?", 12),
    ],
)
def test_a_plan_request_carries_its_number_of_instalments(
    locale: str, text: str, count: int
) -> None:
    result = understand(text, locale, TODAY)
    assert (result.intent, result.installments) == (Intent.REQUEST_PLAN, count)


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("es-CO", "ya pague la factura", Intent.ALREADY_PAID),
        ("es-CO", "kiero un akuerdo de pago", Intent.REQUEST_PLAN),
        ("es-MX", "ya page x oxxo", Intent.ALREADY_PAID),
        ("es-PE", "nesesito un descuento", Intent.REQUEST_DISCOUNT),
        ("es-CO", "no e resivido la factura", Intent.DIDNT_RECEIVE_INVOICE),
        ("en-US", "i havent recieved any bill", Intent.DIDNT_RECEIVE_INVOICE),
        ("en-US", "i payed it yesterday", Intent.ALREADY_PAID),
        ("pt-BR", "ja paguei vc nao viu?", Intent.ALREADY_PAID),
        ("pt-BR", "qro parcelar", Intent.REQUEST_PLAN),
    ],
)
def test_typos_and_missing_accents_are_read_like_the_right_spelling(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, TODAY).intent is intent


def test_confidence_is_low_when_unsure_and_high_when_clear() -> None:
    unknown = understand("asdfgh", "es-CO", TODAY)
    clear = understand("ya pagué la factura ayer", "es-CO", TODAY)
    assert unknown.intent is Intent.UNKNOWN and unknown.confidence < LOW_CONFIDENCE
    assert clear.confidence >= 0.85


def test_competing_readings_lower_the_confidence() -> None:
    alone = understand("no puedo pagar", "es-CO", TODAY)
    mixed = understand("no puedo pagar, no reconozco esa deuda", "es-CO", TODAY)
    assert mixed.confidence < alone.confidence


def test_an_empty_message_is_unknown_with_low_confidence() -> None:
    for text in ("", "   ", "...", "🙃"):
        result = understand(text, "es-CO", TODAY)
        assert result.intent is Intent.UNKNOWN and result.confidence < LOW_CONFIDENCE


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        ("es_CO", "ya cancelé", Intent.ALREADY_PAID),
        ("es-co", "2 palos le ofrezco", Intent.OFFER_AMOUNT),
        ("es", "ya pagué", Intent.ALREADY_PAID),
        ("es-AR", "ya pagué", Intent.ALREADY_PAID),
        ("fr-FR", "ya pagué", Intent.ALREADY_PAID),
        ("en", "I already paid", Intent.ALREADY_PAID),
        ("pt_BR", "já paguei", Intent.ALREADY_PAID),
        ("pt", "já paguei", Intent.ALREADY_PAID),
    ],
)
def test_locale_tags_fall_back_to_the_language_then_to_spanish(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, TODAY).intent is intent


def test_palos_are_millions_only_where_people_say_so() -> None:
    colombia = understand("le ofrezco 2 palos", "es-CO", TODAY)
    assert colombia.amount is not None and colombia.amount == 2_000_000


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [
        # A negation does not reach past a comma: the promise after it stands.
        ("es-CO", "que pena, hoy no alcanzo, mañana le pago", Intent.PROMISE_TO_PAY),
        # "If I pay today..." asks for a discount; it is no payment.
        ("en-US", "if i pay today in full can you take off the fees?", Intent.REQUEST_DISCOUNT),
        # Wanting to pay and asking where: the question comes first.
        ("es-MX", "kiero pagar ya, a que cuenta deposito?", Intent.ASK_PAYMENT_METHODS),
        # Half now and half later is a plan, not a dated promise.
        ("en-US", "can I pay half now and half on the 30th?", Intent.REQUEST_PLAN),
        # An offer with a hardship story is an offer; a plan with "I can't pay it all" a plan.
        ("es-CL", "quedé cesante pero tengo 350 lucas, se las puedo dar", Intent.OFFER_AMOUNT),
        ("es-CO", "no me alcanza para pagar todo de una, me dan cuotas?", Intent.REQUEST_PLAN),
        # Someone else paid, in the past.
        ("es-CO", "mi esposa ya les pagó", Intent.ALREADY_PAID),
        # Swearing about one's own situation is not abuse.
        ("es-CL", "puta la wea, este mes no tengo ni pa la micro", Intent.CANT_PAY),
    ],
)
def test_mixed_messages_go_to_what_the_bot_must_act_on(
    locale: str, text: str, intent: Intent
) -> None:
    assert understand(text, locale, TODAY).intent is intent


@pytest.mark.parametrize(
    ("locale", "text", "intent"),
    [("en-US", "by the 31st it'll be paid", Intent.PROMISE_TO_PAY),
     ("en-US", "end of next month i'll be caught up", Intent.PROMISE_TO_PAY),
     ("en-US", "tmrw after work ill venmo u", Intent.PROMISE_TO_PAY),
     ("es-CO", "mañana le giro x nequi", Intent.PROMISE_TO_PAY),
     ("es-MX", "quedo en depositarle el 9/11", Intent.PROMISE_TO_PAY),
     ("es-CL", "el día jueves 18 efectuaré el depósito", Intent.PROMISE_TO_PAY),
     ("es-CL", "hoy en la noche le hago la transfe po", Intent.WILL_PAY_NOW),
     ("en-US", "doing it now, give me a sec", Intent.WILL_PAY_NOW),
     ("pt-BR", "fazendo o pix aqui, só um minutinho", Intent.WILL_PAY_NOW),
     ("es-CL", "y si le pago el total el lunes, me rebaja algo?", Intent.REQUEST_DISCOUNT)],
)
def test_more_ways_of_promising_and_paying_now(locale: str, text: str, intent: Intent) -> None:
    assert understand(text, locale, date(2026, 10, 1)).intent is intent


def test_la_plata_pasado_manana_is_the_day_after_tomorrow() -> None:
    result = understand("ya juntamos la plata, pasado mañana le depositamos", "es-PE",
                        date(2027, 1, 31))
    assert (result.intent, result.date) == (Intent.PROMISE_TO_PAY, date(2027, 2, 2))


def test_sending_the_proof_is_no_payment_now() -> None:
    result = understand("ayer en la tarde hice el deposito en un agente, ya le mando la foto "
                        "del voucher", "es-PE", date(2027, 6, 15))
    assert result.intent is Intent.ALREADY_PAID


@pytest.mark.parametrize(
    ("locale", "text"),
    [("es-CO", "gracias por la paciencia, que Dios le pague"),
     ("es-MX", "muchas gracias joven, muy amable de su parte")],
)
def test_a_long_message_of_thanks_is_thanks(locale: str, text: str) -> None:
    assert understand(text, locale, date(2026, 12, 20)).intent is Intent.THANKS
