"""Password hashing (argon2) and the strength rule every new password must pass.

The rule: at least ``MIN_LENGTH`` characters and a zxcvbn score of at least ``MIN_SCORE``
(3 = "safely unguessable": about 10^10 guesses; common passwords, keyboard walks, sequences,
repeats and the user's own name score lower). zxcvbn is a maintained estimator with its own
dictionaries of common passwords and words, so there is no hand-kept list here.
"""

from collections.abc import Iterable
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from crm.config import get_settings

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3
# zxcvbn refuses longer input; a prefix that is strong enough makes the whole password so.
_ESTIMATED_LENGTH = 72


@cache
def _hasher() -> PasswordHasher:
    if get_settings().password_hash_profile == "fast":
        # For the test suite: verifying reads the parameters from the hash itself, so hashes
        # made either way verify either way.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def weakness(password: str, *, user_inputs: Iterable[str] = ()) -> str | None:
    """Why the password is too weak to accept, or None when it is strong enough."""
    if len(password) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password may have at most {MAX_LENGTH} characters"
    inputs = []
    for value in user_inputs:  # "Huang Lingling": the name whole, its words and run together
        words = value.split()
        inputs += [value, *words, "".join(words)] if len(words) > 1 else words
    result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    reasons = [feedback["warning"], *feedback["suggestions"]]
    advice = " ".join(reason for reason in reasons if reason)
    message = "the password is too easy to guess"
    return f"{message}: {advice}" if advice else f"{message}; use a longer phrase of uncommon words"
