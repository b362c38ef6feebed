"""Container names: Docker's rule for `--name`, and generated `adjective_surname` names.

The word lists are dfc's own: adjectives of temperament and surnames of people who shaped
mathematics, astronomy, chemistry and computing.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Container

from dfc.runtime.containers.errors import ContainerError

VALID_NAME = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]+")

ADJECTIVES = (
    "agile", "airy", "amiable", "ardent", "astute", "balmy", "bashful", "blithe", "bold",
    "breezy", "bright", "brisk", "buoyant", "calm", "candid", "careful", "cheery", "civil",
    "clever", "cosy", "curious", "daring", "deft", "devoted", "diligent", "dreamy", "eager",
    "earnest", "easygoing", "fearless", "festive", "fond", "frank", "gallant", "gentle",
    "gleeful", "graceful", "hardy", "hearty", "honest", "humble", "jaunty", "jolly",
    "keen", "kindly", "lively", "loyal", "lucid", "mellow", "merry", "mindful", "modest",
    "nimble", "noble", "patient", "peppy", "placid", "plucky", "polite", "quiet", "radiant",
    "rapid", "serene", "sincere", "snappy", "spry", "steady", "sturdy", "sunny", "swift",
    "tender", "thrifty", "tidy", "tranquil", "upbeat", "valiant", "vivid", "warm", "witty",
    "zany", "zesty",
)

SURNAMES = (
    "abel", "agnesi", "alhazen", "ampere", "archimedes", "avogadro", "babbage", "bernoulli",
    "bohr", "boole", "brahe", "cantor", "cauchy", "cavendish", "chandrasekhar", "conway",
    "copernicus", "curie", "dalton", "descartes", "dijkstra", "dirac", "euclid", "euler",
    "faraday", "fermat", "fermi", "feynman", "fibonacci", "fourier", "franklin", "galois",
    "galileo", "gauss", "germain", "goedel", "hamilton", "hertz", "hilbert", "hopper",
    "huygens", "hypatia", "jacobi", "joule", "kelvin", "kepler", "knuth", "kovalevskaya",
    "lagrange", "laplace", "lavoisier", "leibniz", "lovelace", "maxwell", "meitner",
    "mendeleev", "mirzakhani", "napier", "newton", "noether", "ohm", "pascal", "pasteur",
    "planck", "poincare", "ptolemy", "ramanujan", "riemann", "ritchie", "rutherford",
    "shannon", "somerville", "tesla", "thompson", "turing", "volta", "wiles", "wu",
)


def check_name(name: str) -> str:
    """`name` without Docker's leading `/`, or Docker's error for an invalid one."""
    if not VALID_NAME.fullmatch(name):
        raise ContainerError(
            f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return name.removeprefix("/")


def generate(taken: Container[str]) -> str:
    """A free `adjective_surname`; after a few collisions a digit is appended, as Docker
    does, so the search always ends."""
    for attempt in range(100):
        name = f"{secrets.choice(ADJECTIVES)}_{secrets.choice(SURNAMES)}"
        if attempt >= 3:
            name += str(secrets.randbelow(10))
        if name not in taken:
            return name
    raise ContainerError("could not generate a free container name")
