"""How passwords are stored: Argon2id at OWASP's minimum parameters (Password Storage Cheat
Sheet: m = 19 MiB, t = 2, p = 1). Django's default PBKDF2 at 1,000,000 iterations costs about
13 times as much CPU per sign-in, which capped the sign-in burst at the start of a school day;
Argon2id's memory cost is what makes it hard to guess at on GPUs instead. `make bench-passwords`
measures the two side by side."""

from django.contrib.auth.hashers import Argon2PasswordHasher

# Never weaker than these (a test pins them): raising them later upgrades each stored hash at
# its owner's next sign-in, as Django does for any hasher whose parameters changed.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class DistrictArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # the same stored format as Django's own Argon2 hasher
    memory_cost = OWASP_MEMORY_KIB
    time_cost = OWASP_TIME_COST
    parallelism = OWASP_PARALLELISM
