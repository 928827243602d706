"""The yardstick model of ../shared/bench/ in SimPy, written as SimPy users write it.

Poisson arrivals at 3.2/s, a balancer that picks one of 4 servers at random, each server a
`simpy.Resource` of capacity 1 with exponential service times of mean 1 s (4 x M/M/1 at 80%
load, mean response 5 s). One generator per request. Arrivals stop after N requests and the run
goes on until every request is done, so the mean is over exactly N requests.

Usage: python mmk.py [--seed S] [--requests N]
Prints `requests N` and `mean_response_s X`.
"""

import argparse
import random

import simpy

RATE = 3.2
SERVERS = 4
MEAN_SERVICE_S = 1.0


def request(env, server, rng, stats):
    """One request: queue at its server, be served, record its response time."""
    arrived = env.now
    with server.request() as turn:
        yield turn
        yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE_S))
    stats["done"] += 1
    stats["total_s"] += env.now - arrived


def arrivals(env, servers, rng, n, stats):
    """The open client: n requests with exponential gaps, each to a random server."""
    for _ in range(n):
        yield env.timeout(rng.expovariate(RATE))
        env.process(request(env, rng.choice(servers), rng, stats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--requests", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=1) for _ in range(SERVERS)]
    stats = {"done": 0, "total_s": 0.0}
    env.process(arrivals(env, servers, rng, args.requests, stats))
    env.run()
    print(f"requests {stats['done']}")
    print(f"mean_response_s {stats['total_s'] / stats['done']:.4f}")


if __name__ == "__main__":
    main()
