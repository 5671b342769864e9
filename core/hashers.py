"""Password hashing at OWASP's recommended cost: Argon2id with 19 MiB of memory, 2 passes and 1
lane (OWASP Password Storage Cheat Sheet). Django's own Argon2 defaults ask for 100 MiB and 8
lanes per login, which on a 2-core server queued logins for seconds under 50 at once; PBKDF2 at
Django's iteration count cost more CPU still. Never lower these below OWASP's minimum."""

from django.contrib.auth.hashers import Argon2PasswordHasher

OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Hashes new passwords; a stored hash of other parameters (or of PBKDF2) is checked with its
    own and re-hashed with these at the user's next login."""

    time_cost = OWASP_MIN_TIME_COST
    memory_cost = OWASP_MIN_MEMORY_KIB
    parallelism = 1
