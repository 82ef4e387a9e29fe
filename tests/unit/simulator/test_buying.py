"""The simulator's buyers: they drop out as real ones do, and makers sell through their link or code."""

from __future__ import annotations

import datetime as dt

import numpy as np

from siyu.predict.clv import fit_bgnbd
from siyu_dev.simulator.timeline import appdb_rows_at
from siyu_dev.simulator.world import build_world

END = dt.date(2026, 11, 24)


def test_buyers_drop_out_so_p_alive_spreads():
    """A BG/NBD fit on the simulated orders sees dropouts: P(alive) is not ≈ 0.9 for everyone (the
    old simulator spread each buyer's orders uniformly over their whole history)."""
    world = build_world(people=3000, days=60, seed=4, end=END)
    days: dict[str, list[dt.date]] = {}
    for order in world.appdb_rows["orders"]:
        if order["paid_at"] is not None:
            days.setdefault(order["openid"], []).append(order["paid_at"].date())
    x = np.array([len(d) - 1 for d in days.values()], dtype=float)
    t_x = np.array([(max(d) - min(d)).days for d in days.values()], dtype=float)
    age = np.array([max((END - min(d)).days, 1) for d in days.values()], dtype=float)
    p_alive = fit_bgnbd(x, t_x, age).p_alive(x, t_x, age)
    repeat = p_alive[x > 0]
    assert np.median(repeat) < 0.7  # the old simulator: 0.77
    assert (repeat < 0.5).mean() > 0.25  # many have gone quiet for good (the old simulator: 0.12)
    assert max(len(d) for d in days.values()) <= 12


def test_makers_earn_commissions_on_orders_through_their_link_or_code():
    world = build_world(people=3000, days=60, seed=4, end=END)
    orders = {o["order_id"]: o for o in world.appdb_rows["orders"]}
    commissions = world.appdb_rows["commissions"]
    assert len(commissions) > 20 and {c["channel"] for c in commissions} == {"link", "code"}
    first_order: dict[str, dt.datetime] = {}
    for o in world.appdb_rows["orders"]:
        first_order.setdefault(o["openid"], o["created_at"])
    for c in commissions:
        order = orders[c["order_id"]]
        assert c["promoter_openid"] != order["openid"]  # nobody earns on their own order
        assert order["created_at"] > first_order[c["promoter_openid"]]  # a maker bought first
        assert c["amount"] == (order["amount"] * c["rate"]).quantize(c["amount"])
        expected = {"cancelled": "cancelled", "refunded": "cancelled", "completed": "settled"}
        assert c["status"] == expected.get(order["status"], "pending")
    settled = next(c for c in commissions if c["status"] == "settled")
    before = appdb_rows_at(world.appdb_rows, settled["updated_at"])  # the moment it settled
    (earlier,) = [c for c in before["commissions"] if c["commission_id"] == settled["commission_id"]]
    assert earlier["status"] == "pending"
