"""Errors a user can cause; the CLI turns them into exit code 2 with their message."""

from __future__ import annotations

from collections.abc import Iterable

from sklearn.exceptions import NotFittedError as SklearnNotFittedError


class UserInputError(ValueError):
    """Bad input from a user: an unknown name, a parameter of the wrong type or range."""


class UnknownChoiceError(UserInputError):
    """A name that is not one of the valid choices; the message lists them."""


class InputTypeError(UserInputError, TypeError):
    """Inputs that cannot be read as numbers (a TypeError too, as scikit-learn raises for them)."""


class NotFittedError(UserInputError, SklearnNotFittedError):
    """An estimator used before ``fit``: scikit-learn's ``NotFittedError``, and one of ours for the CLI."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message says at which step and which loss, as do ``step`` and ``loss``."""

    def __init__(self, message: str, step: int | None = None, loss: str | None = None):
        super().__init__(message)
        self.step, self.loss = step, loss


def check_choice(kind: str, name: str, valid: Iterable[str]) -> str:
    """Return ``name`` if it is among ``valid``; otherwise raise listing the valid choices."""
    valid = sorted(valid)
    if name not in valid:
        raise UnknownChoiceError(f"unknown {kind} {name!r}; valid {kind}s: {', '.join(valid)}")
    return name
