# The certificate tests' learner who has passed every quiz, for the files built from records.
from tests.certificates.conftest import assigned_learner, cycle, passed_everything  # noqa: F401
