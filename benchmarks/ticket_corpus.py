"""A generated corpus of realistic support tickets: topics said many ways, typos and noise.

Used by the grouping tests (cluster purity and recall) and by benchmarks/grouping_bench.py.
Everything comes from one seeded RNG, so a corpus is the same on every machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# Each topic: phrasings a customer might use (subjects), a body tail, its context and a
# resolving reply. The phrasings share the topic's rare words but not their order or wording.
TOPICS: dict[str, dict[str, object]] = {
    "csv-export": {
        "context": "reports.export",
        "subjects": [
            "CSV export is empty",
            "export to csv gives a blank file",
            "the exported CSV file has no rows",
            "csv download from reports is empty",
            "Exporting reports as CSV produces an empty file",
            "blank csv when I export my report",
        ],
        "bodies": [
            "I click Export and the csv file downloads but it is empty.",
            "The exported csv only has the header row, no data.",
            "Our monthly report export to CSV comes out blank since yesterday.",
        ],
        "reply": "Exports over 10,000 rows are emailed: check your inbox for the CSV link.",
        "queries": ["csv export empty", "export csv blank", "empty csv"],
    },
    "password-reset": {
        "context": "auth.reset",
        "subjects": [
            "password reset email never arrives",
            "I did not get the reset password link",
            "no email to reset my password",
            "Reset link for password not received",
            "forgot password mail missing",
        ],
        "bodies": [
            "I requested a password reset three times and no email came.",
            "The reset password email is not in my inbox or spam.",
        ],
        "reply": "Reset emails come from no-reply@example.com; add it to your contacts.",
        "queries": ["password reset email", "reset link not received"],
    },
    "invoice-wrong": {
        "context": "billing.invoices",
        "subjects": [
            "invoice shows the wrong amount",
            "my invoice total is incorrect",
            "charged wrong amount on invoice",
            "Invoice amount does not match my plan",
            "incorrect total on this month's invoice",
        ],
        "bodies": [
            "The invoice says 49 but my plan is 29 per month.",
            "The total on the invoice is higher than the price of our plan.",
        ],
        "reply": "Taxes are added at checkout; the invoice lists them on a separate line.",
        "queries": ["invoice wrong amount", "invoice total incorrect"],
    },
    "dark-mode": {
        "context": "settings.appearance",
        "subjects": [
            "please add a dark mode",
            "dark theme option?",
            "Is there a dark mode for the dashboard",
            "night mode / dark theme request",
        ],
        "bodies": [
            "The white background hurts at night, a dark theme would be great.",
            "Would love a dark mode setting in appearance.",
        ],
        "reply": "Dark mode is under Settings, Appearance, Theme since version 2.2.",
        "queries": ["dark mode", "dark theme"],
    },
    "sync-calendar": {
        "context": "calendar.sync",
        "subjects": [
            "calendar sync stopped working",
            "Google calendar does not sync anymore",
            "events are not syncing to my calendar",
            "calendar synchronisation broken",
            "sync with outlook calendar fails",
        ],
        "bodies": [
            "New events no longer appear in my Google calendar.",
            "The calendar sync shows an error and nothing updates.",
        ],
        "reply": "Reconnect the calendar under Integrations: the token expired.",
        "queries": ["calendar sync", "google calendar not syncing"],
    },
    "upload-photo": {
        "context": "profile.photo",
        "subjects": [
            "cannot upload profile photo",
            "profile picture upload fails",
            "uploading my avatar image gives an error",
            "photo upload on profile not working",
        ],
        "bodies": [
            "When I upload a picture for my profile it spins forever.",
            "The avatar upload says the image is too large but it is 200 KB.",
        ],
        "reply": "Photos must be JPEG or PNG; HEIC from iPhones is converted since 2.3.2.",
        "queries": ["upload profile photo", "avatar upload error"],
    },
    "two-factor": {
        "context": "auth.2fa",
        "subjects": [
            "two factor code is always invalid",
            "2FA authentication code rejected",
            "my authenticator codes don't work",
            "invalid verification code for two-factor login",
        ],
        "bodies": [
            "The authenticator app code is rejected every time I log in.",
            "Two factor login says the verification code is invalid.",
        ],
        "reply": "Your phone's clock is off: turn on automatic time, codes depend on it.",
        "queries": ["two factor code invalid", "authenticator code"],
    },
    "team-invite": {
        "context": "team.members",
        "subjects": [
            "invited teammate never got the invitation",
            "team invite email not received by colleague",
            "cannot invite members to my team",
            "invitation to join the team is missing",
        ],
        "bodies": [
            "I invited my colleague to the team but the invitation never reached her.",
            "Team member invites do not arrive.",
        ],
        "reply": "Invitations expire after 7 days; resend from Team, Members, Pending.",
        "queries": ["team invite", "invitation not received"],
    },
}

TYPOS = {
    "export": "exprot",
    "empty": "emtpy",
    "password": "pasword",
    "invoice": "invoce",
    "calendar": "calender",
    "upload": "uplaod",
    "invitation": "invitaton",
    "authenticator": "authenticater",
    "profile": "profil",
    "amount": "amout",
}

# Unrelated tickets: an opener and two things out of many, so that noise rarely repeats (a
# question asked fifty times is a repeated issue, not noise).
NOISE_OPENERS = [
    "question about",
    "how do I change",
    "is it possible to get",
    "where can I find",
    "I would like to know about",
    "feedback on",
    "can you explain",
]
NOISE_THINGS = """refund licence language keyboard shortcuts office address privacy policy
webinar recording partner programme discount student pricing accessibility font size printer
receipt fax newsletter unsubscribe holiday roadmap careers press kit trademark logo colour
mobile tablet offline maps weather widget contract lawyer insurance coffee parking badge
conference sponsorship donation charity survey podcast trial extension migration spreadsheet
compliance audit certificate domain hosting firewall proxy keyboard""".split()  # noqa: SIM905 (a word list reads best as words)
GREETINGS = ["", "Hi team, ", "Hello, ", "Hey support! "]
SIGN_OFFS = ["", " Thanks!", " Sent from my iPhone", " Kind regards, Sam"]


@dataclass(frozen=True)
class Ticket:
    key: str
    topic: str  # "" for noise
    subject: str
    body: str
    context: str
    app_version: str
    day: int  # days since the start of the corpus


def _typo(text: str, rng: random.Random) -> str:
    out = []
    for word in text.split(" "):
        bare = word.lower().strip(".,?")
        out.append(TYPOS[bare] if bare in TYPOS and rng.random() < 0.5 else word)
    return " ".join(out)


def tickets(count: int, *, seed: int = 7, noise: float = 0.15, days: int = 60) -> list[Ticket]:
    """``count`` tickets over ``days`` days: ``noise`` of them unrelated, one typo in about a
    fifth, each topic filed with its own context key."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    out = []
    for i in range(count):
        if rng.random() < noise:
            first, second = rng.sample(NOISE_THINGS, 2)
            subject = f"{rng.choice(NOISE_OPENERS)} {first} and {second}"
            body = f"{rng.choice(GREETINGS)}{subject}?{rng.choice(SIGN_OFFS)}"
            out.append(Ticket(f"t{i}", "", subject, body, "home", "2.3.0", rng.randrange(days)))
            continue
        topic = names[i % len(names)] if i < len(names) else rng.choice(names)
        spec = TOPICS[topic]
        subject = rng.choice(spec["subjects"])  # type: ignore[arg-type]
        body = rng.choice(GREETINGS) + rng.choice(spec["bodies"]) + rng.choice(SIGN_OFFS)  # type: ignore[operator]
        if rng.random() < 0.2:
            subject = _typo(subject, rng)
        out.append(
            Ticket(
                f"t{i}",
                topic,
                subject,
                body,
                str(spec["context"]),
                rng.choice(["2.2.0", "2.3.0", "2.3.1"]),
                rng.randrange(days),
            )
        )
    return out
