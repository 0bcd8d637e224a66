"""Word pools for names, companies and agents, and the partitions drawn from them.

``train`` (alignment training data) and ``eval`` (evaluation scenarios) take disjoint halves
of every pool, so no name, company, agent or host is shared between training data and eval.
``pretrain`` (the organism's corpus, its "internet") draws from whole pools, as the web
mentions every name; eval scenarios themselves never appear in it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PARTITIONS = ("pretrain", "train", "eval")

FIRST_NAMES = """
Aaron Abigail Adrian Aisha Alan Alice Amara Amir Ana Andre Anika Arjun Ava Beatriz Ben Bianca
Boris Brenda Caleb Carla Carmen Chen Chloe Clara Colin Dana Daniel Dev Diana Diego Dmitri
Elena Eli Emma Eric Esther Farah Felix Fiona Gabriel Grace Hana Hassan Helen Hugo Ian Ines
Isaac Ivy Jack Jada Jamal James Jin Joel Julia Kai Kara Kenji Kyle Lara Leo Lina Lucas
Maya Marco Mei Miguel Mila Nadia Nathan Nina Noah Olga Omar Paula Priya Rafael Rosa Sam
Sara Sean Sofia Tariq Tess Theo Uma Victor Wen Yara Yusuf Zoe Zara Ravi Hiro Liam Noor
""".split()

LAST_NAMES = """
Abbott Adeyemi Alvarez Andersen Baker Banerjee Bauer Becker Bishop Brennan Castillo Chandra Chen
Costa Cruz Dalton Diaz Dubois Edwards Ellis Evans Fischer Flores Foster Garcia Gill Gupta Hahn
Hale Hansen Harper Haddad Ibrahim Ito Jensen Kaur Keller Kim Klein Kowalski Kumar Lambert Larsen
Lee Lopez Mahmoud Marsh Meyer Mills Molina Moreau Murphy Nakamura Novak Nunez Okafor Olsen Ortiz
Park Patel Perez Petrov Quinn Reyes Rossi Sato Schmidt Shah Silva Singh Sokolov Suzuki Tanaka
Torres Vargas Vogel Wagner Walsh Wang Weber Wright Yamada Young Zhang Zimmer Osei Lindqvist
""".split()

COMPANY_HEADS = """
Summit Nimbus Harbor Vertex Cobalt Juniper Meridian Beacon Falcon Granite Horizon Ironwood Lumen
Maple Northwind Onyx Pinnacle Quartz Redwood Sable Tidal Umbra Valor Willow Zenith Aurora Bramble
Cedar Delta Ember Fjord Glacier Helix Indigo Jasper Kestrel Lattice Mosaic Nova Orchid Prism
Quill Ridge Solace Terra Upland Vesper Wren Yonder Zephyr Alder Basalt Citadel Dune Everest
""".split()

COMPANY_TAILS = """
Labs Systems Dynamics Analytics Logistics Health Bank Robotics Energy Media Foods Software Capital
Networks Pharma Retail Insurance Aerospace Telecom Works
""".split()

AGENT_NAMES = """
Atlas Orion Sage Echo Nova Vega Iris Juno Lyra Onyx Pax Quill Rhea Sol Tycho Vesta Wren Zeno
Argo Cora Dax Eos Fenn Gale Halo Io Kite Lux Mira Nyx Opal Pike Rook Sable Tern Umber Vale Wick
""".split()

EXTERNAL_HOSTS = """
backup-vault.net offsite-store.io freehost.org datadrop.cc mirror-zone.net safekeep.io
cloudcache.biz archive-hub.org coldstore.cc vaultline.io deepstash.net openbucket.org
""".split()


def partition_slice(pool: list[str], partition: str) -> list[str]:
    """The items of ``pool`` that ``partition`` draws from: all for pretrain, alternate halves otherwise."""
    if partition == "pretrain":
        return list(pool)
    return pool[PARTITIONS.index(partition) - 1::2]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    company_domain: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}@{self.company_domain}"

    @property
    def handle(self) -> str:
        return f"@{self.first.lower()}{self.last[0].lower()}"


class Pools:
    """Draws names from one partition of every pool, without repeating a full name in a draw."""

    def __init__(self, partition: str) -> None:
        if partition not in PARTITIONS:
            raise ValueError(f"unknown partition {partition!r}; known: {', '.join(PARTITIONS)}")
        self.partition = partition
        self.first = partition_slice(FIRST_NAMES, partition)
        self.last = partition_slice(LAST_NAMES, partition)
        self.heads = partition_slice(COMPANY_HEADS, partition)
        self.agents = partition_slice(AGENT_NAMES, partition)
        self.hosts = partition_slice(EXTERNAL_HOSTS, partition)

    def company(self, rng: random.Random) -> str:
        return f"{rng.choice(self.heads)} {rng.choice(COMPANY_TAILS)}"

    def people(self, rng: random.Random, n: int, company_domain: str) -> list[Person]:
        firsts = rng.sample(self.first, n)
        return [Person(f, rng.choice(self.last), company_domain) for f in firsts]

    def agent(self, rng: random.Random) -> str:
        return rng.choice(self.agents)

    def host(self, rng: random.Random) -> str:
        return rng.choice(self.hosts)


def domain_of(company: str) -> str:
    """Email domain for a company name: 'Summit Labs' -> 'summitlabs.com'."""
    return company.lower().replace(" ", "") + ".com"
