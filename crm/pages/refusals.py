"""Services' refusals in the page's language.

The services explain a refusal in English (the API's ``detail``); every page shows the
catalogue's wording where it has one (matched on the service's message, its values carried
over) and the service's own message otherwise, so a new rule is never silenced. Until the
domain errors carry a code of their own, this table is the one place that knows the wording.
"""

import re

from crm.i18n import label, translate

STAGE = r"(\w+)"
# (service message, catalogue key, the names of the values it carries; stage values in *_stage)
PATTERNS: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (re.compile(rf"moving a lead to {STAGE} needs a reason"), "halt_needs_reason", ("stage",)),
    (
        re.compile(rf"moving back from {STAGE} to {STAGE} needs a reason"),
        "back_needs_reason",
        ("from_stage", "to_stage"),
    ),
    (re.compile(r"reopening a lost lead needs a reason"), "reopen_needs_reason", ()),
    (re.compile(rf"the lead is already {STAGE}"), "already_there", ("stage",)),
    (
        re.compile(rf"only a paused or lost lead can resume; this one is {STAGE}"),
        "only_halted_resume",
        ("stage",),
    ),
    (re.compile(r"a signed lead cannot go back before signing"), "signed_no_back", ()),
    (re.compile(rf"a lead must be signed before it is {STAGE}"), "sign_first", ("stage",)),
    (re.compile(r"was already signed: it has project (\d+)"), "signed_already", ("project",)),
    (re.compile(r"signing needs a specialist"), "needs_specialist", ()),
    (re.compile(r"unknown user '(.+)'"), "unknown_user", ("user",)),
    (re.compile(r"user '(.+)' is \w+, not a specialist"), "not_specialist", ("user",)),
    (re.compile(r"user '(.+)' is deactivated"), "user_deactivated", ("user",)),
    (re.compile(r"unknown park '(.+)'"), "unknown_park", ("park",)),
    (re.compile(r"was changed by someone else"), "stale", ()),
    (re.compile(r"only a signing move takes these"), "only_signing", ()),
    # The lead's life before signing and its pause proposals (crm.i18n.areas.leadlife).
    (re.compile(r"must have a specialist \(项目专员\); name one"), "negotiating_specialist", ()),
    (re.compile(r"name another instead of removing"), "keep_specialist", ()),
    (re.compile(r"empty policy package cannot be approved"), "empty_policy", ()),
    (re.compile(r"policy package of lead \d+ is already approved"), "policy_approved", ()),
    (re.compile(r"is not proposed for a pause"), "not_proposed", ()),
    (re.compile(r"only an inbound inspection"), "receiver_inbound_only", ()),
]


def refusal_text(lang: str, message: str) -> str:
    """The service's ``message`` in ``lang`` when the catalogue has its wording."""
    for pattern, key, names in PATTERNS:
        found = pattern.search(message)
        if found is None:
            continue
        values = {
            name: label(lang, "stage", value)
            if name == "stage" or name.endswith("_stage")
            else value
            for name, value in zip(names, found.groups(), strict=True)
        }
        return translate(lang, f"board.rule.{key}", **values)
    return message
