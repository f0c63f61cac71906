"""The local provider's built-in answers: topics recognised in a request and how each model family words them.

A topic is a set of keywords (earlier topics win ties) and a few facts; each fact has two or three wordings. ``generate.reply_pieces``
picks the topic from the request's text, the tone from the model's family, and the wordings from the
request's seed, so a request always gets the same answer and another model gives a plausibly different one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    keywords: tuple[str, ...]
    facts: tuple[tuple[str, ...], ...]  # each fact in two or three wordings
    next_step: tuple[str, ...]
    plain: bool = False  # answered without the tone's opener (a greeting needs no "Good question.")


@dataclass(frozen=True)
class Tone:
    openers: tuple[str, ...]
    closers: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "password",
        ("password", "log in", "login", "sign in", "locked out"),
        (
            (
                "Open the sign-in page and choose Forgot password.",
                "On the sign-in page, click Forgot password.",
            ),
            (
                "We email you a reset link that stays valid for 30 minutes.",
                "A reset link arrives by email and works for 30 minutes.",
            ),
            (
                "Pick a new password of at least 12 characters and you are back in.",
                "Choose a new password with 12 or more characters to finish.",
            ),
        ),
        (
            "If the email does not arrive, check your spam folder or reply here and I will resend it.",
            "If nothing arrives within five minutes, tell me and I will send a new link.",
        ),
    ),
    Topic(
        "address",
        ("address", "change shipping", "wrong address"),
        (
            (
                "You can change the shipping address until the order is packed.",
                "The address can be edited as long as the order has not been packed yet.",
            ),
            (
                "Go to Orders, open the order and choose Edit address.",
                "Open the order under Orders and select Edit address.",
            ),
            (
                "Once it has shipped, the carrier can usually redirect it for a small fee.",
                "After shipping, the carrier can often reroute the parcel for a small fee.",
            ),
        ),
        (
            "Send me the new address and I will check whether it can still be changed.",
            "Share the corrected address and I will update it if the order is not packed.",
        ),
    ),
    Topic(
        "order",
        ("order", "package", "parcel", "delivery", "tracking", "arrive"),
        (
            (
                "Order #1042 shipped on Monday and is with the carrier.",
                "Your order #1042 left our warehouse on Monday.",
            ),
            (
                "The tracking page shows delivery expected within two business days.",
                "The carrier expects to deliver it in the next two business days.",
            ),
            (
                "You can follow it from the link in your shipping confirmation email.",
                "The tracking link is in the shipping confirmation we emailed you.",
            ),
        ),
        (
            "If it has not arrived by Friday, reply here and I will open a carrier investigation.",
            "Should it miss Friday, let me know and I will chase the carrier for you.",
        ),
    ),
    Topic(
        "shipping",
        ("ship to", "shipping", "canada", "international", "abroad", "country"),
        (
            (
                "Yes, we ship to Canada and to most of Europe.",
                "We do deliver to Canada, as well as most European countries.",
            ),
            (
                "International delivery takes five to eight business days.",
                "Orders abroad usually arrive within five to eight business days.",
            ),
            (
                "Duties are calculated at checkout, so there are no surprises on delivery.",
                "Import duties are shown at checkout and nothing more is due on arrival.",
            ),
        ),
        (
            "Tell me your postcode and I will confirm the delivery estimate.",
            "Share your postcode and I can give you an exact delivery window.",
        ),
    ),
    Topic(
        "cancel",
        ("cancel", "subscription", "unsubscribe", "membership"),
        (
            (
                "You can cancel any time under Account, then Subscription.",
                "Cancelling takes a minute: open Account and choose Subscription.",
            ),
            (
                "Your plan stays active until the end of the current billing period.",
                "You keep access until the billing period you paid for ends.",
            ),
            (
                "No further charges are made after you cancel.",
                "We stop charging you from the next period onward.",
            ),
        ),
        (
            "If you tell me why you are leaving, I can check whether a cheaper plan fits better.",
            "If price is the reason, I can show you the smaller plan before you go.",
        ),
    ),
    Topic(
        "card",
        ("card", "declined", "payment", "charge", "billing failed"),
        (
            (
                "A card is usually declined because of a mismatched billing address or an expired card.",
                "Most declines come from an expired card or a billing address that does not match.",
            ),
            (
                "Some banks also block the first online payment to a new shop.",
                "Your bank may have held the payment as a precaution for a new merchant.",
            ),
            (
                "Check the details under Billing, then try again or use another card.",
                "Review the card under Billing and retry, or add a different card.",
            ),
        ),
        (
            "If it fails again, call your bank and mention a payment to Acme.",
            "If the retry fails, your bank can approve the charge over the phone.",
        ),
    ),
    Topic(
        "refund",
        ("refund", "money back", "return"),
        (
            (
                "You can return any item within 30 days for a full refund.",
                "Returns within 30 days of delivery get a full refund.",
            ),
            (
                "Start the return under Orders and print the free shipping label.",
                "Open the order, choose Return item and print the prepaid label.",
            ),
            (
                "The refund reaches your card three to five days after we receive the item.",
                "Expect the money back on your card within five days of the item reaching us.",
            ),
        ),
        (
            "Tell me the order number and I will start the return for you.",
            "Share the order number and I can open the return right away.",
        ),
    ),
    Topic(
        "human",
        ("human", "person", "agent", "representative", "talk to"),
        (
            (
                "Of course, I can hand you over to a member of our support team.",
                "A person from our support team can take over from here.",
            ),
            (
                "Our team is available from 8 am to 8 pm, Monday to Saturday.",
                "People are on hand from 8 am to 8 pm, Monday through Saturday.",
            ),
            (
                "The current wait is about ten minutes.",
                "Right now the queue is roughly ten minutes long.",
            ),
        ),
        (
            "Shall I open a ticket now so they have the context when they pick it up?",
            "I can summarise our conversation for them so you do not have to repeat yourself.",
        ),
    ),
    Topic(
        "email",
        ("billing email", "email address", "invoice", "receipt"),
        (
            (
                "Open Account, then Billing, and edit the invoice email.",
                "Under Account and Billing you can change where invoices are sent.",
            ),
            (
                "The change applies to the next invoice; past invoices stay where they were sent.",
                "New invoices go to the new address; earlier ones are not resent.",
            ),
            (
                "You can download any past invoice from the same page.",
                "Every earlier invoice is available to download there too.",
            ),
        ),
        (
            "Tell me the new address and I will update it for you.",
            "If you prefer, send me the address and I will change it.",
        ),
    ),
    Topic(
        "discount",
        ("discount", "student", "coupon", "promo", "cheaper"),
        (
            (
                "Yes, students get 20 percent off any plan.",
                "We offer students a 20 percent discount on every plan.",
            ),
            (
                "Verify your student status once with your university email.",
                "A one-time check with your university email unlocks it.",
            ),
            (
                "The discount renews each year while you are enrolled.",
                "It stays in place for as long as you are a student.",
            ),
        ),
        (
            "Want me to send you the verification link?",
            "I can email you the link to verify your status now.",
        ),
    ),
    Topic(
        "summary",
        ("summarise", "summarize", "summary", "ticket", "recap"),
        (
            (
                "Your last ticket was about a late delivery of order #1042.",
                "The most recent ticket concerned order #1042 arriving late.",
            ),
            (
                "We contacted the carrier and the parcel was delivered two days later.",
                "The carrier was chased and delivered the parcel two days after.",
            ),
            (
                "The ticket was closed with a 10 percent credit on your account.",
                "It was resolved with a 10 percent credit applied to your account.",
            ),
        ),
        (
            "Let me know if anything from that ticket is still open.",
            "Tell me if you want to reopen it or raise something new.",
        ),
    ),
    Topic(
        "apology",
        ("apolog", "sorry", "complaint", "polite"),
        (
            (
                "We are sorry for the trouble this caused you.",
                "Please accept our apologies for the inconvenience.",
            ),
            (
                "That is not the experience we want you to have, and we have taken note.",
                "This fell short of what we promise, and we are looking into it.",
            ),
            (
                "As a thank-you for your patience, we have added a credit to your account.",
                "To make up for it, a credit has been added to your account.",
            ),
        ),
        (
            "Reply to this message if there is anything else we can put right.",
            "If anything is still not right, we are one reply away.",
        ),
    ),
    Topic(
        "weather",
        ("weather", "forecast", "temperature", "rain"),
        (
            (
                "The forecast shows mild weather with light clouds.",
                "Expect mild temperatures and a mostly cloudy sky.",
            ),
            (
                "Highs reach about 18 degrees, with a small chance of rain in the evening.",
                "Daytime highs are near 18 degrees and evening showers are possible.",
            ),
        ),
        (
            "Take a light jacket if you are out after dark.",
            "An umbrella in the bag would not hurt.",
        ),
    ),
    Topic(
        "greeting",
        ("hello", "hi ", "hey", "greet", "good morning"),
        (
            ("Hello, everyone!", "Hi team, hello from the assistant!"),
            (
                "It is good to be working with you.",
                "Glad to be part of the team.",
            ),
            (
                "I can help with orders, billing and account questions.",
                "Ask me about orders, billing or your account at any time.",
            ),
        ),
        (
            "Tell me what you would like to start with.",
            "Let me know how I can help today.",
        ),
        plain=True,
    ),
)

GENERAL = Topic(
    "general",
    (),
    (
        (
            "Here is a short answer to your question.",
            "Here is what I can tell you about that.",
            "Let me answer that briefly.",
        ),
        (
            "The details depend on your account, but the usual steps are in the help centre.",
            "The help centre covers this in its account section, step by step.",
            "You will find the exact steps for your plan in the help centre.",
        ),
        (
            "Most people sort this out in a few minutes.",
            "It usually takes only a few minutes to resolve.",
        ),
    ),
    (
        "Tell me a little more and I can give you a precise answer.",
        "Share a detail or two and I will narrow it down.",
    ),
)

# Tone by model family (the model name's prefix); a family not listed answers in the default tone.
TONES: dict[str, Tone] = {
    "gpt": Tone(
        ("", "Sure.", "Certainly.", "Of course.", "Glad to help."),
        ("", "Hope this helps.", "Anything else I can do?"),
    ),
    "o": Tone(("", "Short answer:"), ("",)),
    "claude": Tone(
        (
            "Happy to help with that.",
            "Thanks for asking.",
            "Good question.",
            "I can help with that.",
            "Great question.",
        ),
        ("I hope that helps!", "", "Let me know if anything is unclear."),
    ),
    "gemini": Tone(("Okay, here is the answer.", "Got it."), ("", "Anything else?")),
}
DEFAULT_TONE = Tone(("",), ("",))

# System-prompt words that shape the answer: brevity drops a fact, "next step" adds the topic's next step.
BRIEF_WORDS = ("brief", "terse", "short", "concise")
NEXT_STEP_WORDS = ("next step", "offer", "follow up", "follow-up")
