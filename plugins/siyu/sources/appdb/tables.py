"""The brand's app database (mini-program backend) as SQLAlchemy tables.

This is the shape Siyu expects of a brand's app DB; the simulator creates and fills exactly these
tables, and extraction reads them. Phones are stored raw here (it is the brand's own DB) and are
pseudonymised by extraction before anything lands in the lake.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
)

metadata = MetaData()

mp_users = Table(
    "mp_users",
    metadata,
    Column("openid", String(64), primary_key=True),
    Column("unionid", String(64), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("first_scene", Integer, nullable=True),
    Column("inviter_openid", String(64), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_mp_users_updated_at", "updated_at"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(32), primary_key=True),
    Column("openid", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("pay_method", String(16), nullable=True),
    Column("receiver_phone", String(32), nullable=True),
    Column("province", String(32), nullable=True),
    Column("city", String(32), nullable=True),
    Column("paid_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_orders_updated_at", "updated_at"),
)

order_items = Table(
    "order_items",
    metadata,
    Column("order_id", String(32), ForeignKey("orders.order_id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("item_id", String(32), nullable=False),
    Column("category", String(32), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", Numeric(12, 2), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_order_items_updated_at", "updated_at"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("refund_id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.order_id"), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("reason", String(64), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_refunds_updated_at", "updated_at"),
)

# Co-creation (共创): an order placed through a customer's (a maker's, 创客) share link or code, and the
# commission it earns them: pending until the order completes, then settled; cancelled with the order.
commissions = Table(
    "commissions",
    metadata,
    Column("commission_id", String(32), primary_key=True),
    Column("order_id", String(32), ForeignKey("orders.order_id"), nullable=False),
    Column("promoter_openid", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("rate", Numeric(5, 4), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_commissions_updated_at", "updated_at"),
)

# The "add your advisor" codes (siyu_dev.simulator.advisor): the contact way the backend created for a
# mini-program user, whose `state` the WeCom contact then carries in its follow_info.
advisor_codes = Table(
    "advisor_codes",
    metadata,
    Column("openid", String(64), nullable=False),
    Column("state", String(30), primary_key=True),  # WeCom allows a state of 30 characters
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_advisor_codes_updated_at", "updated_at"),
)

# Marketing consent: one row per opt-in or opt-out a user made (subscribing in the mini-program,
# unsubscribing in its settings, objecting through customer service), at occurred_at. Optional: a
# brand whose app DB has no such table lands it empty (siyu.sources.appdb.extract.OPTIONAL).
consent_events = Table(
    "consent_events",
    metadata,
    Column("event_id", String(32), primary_key=True),
    Column("openid", String(64), nullable=False),
    Column("purpose", String(32), nullable=False),  # marketing
    Column("action", String(16), nullable=False),  # opt_in | opt_out
    Column("source", String(32), nullable=True),
    Column("occurred_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_consent_events_updated_at", "updated_at"),
)

# All DateTime columns hold naive UTC: MySQL DATETIME has no zone, so UTC is the only safe convention.
