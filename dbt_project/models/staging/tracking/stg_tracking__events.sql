-- Mini-program events that arrived up to run_date, with a plausible ts (the others are in
-- stg_tracking__events_quarantine). Extraction already de-duplicates on event_id
-- across partitions; the qualify guards against a partition re-landed by hand.
-- props is a JSON object whose keys depend on the event: the ones marts use are lifted out here.
-- The SQL is macros/tracking_events.sql (staged_tracking_events): fct_events' daily run stages only
-- the events it rewrites.
{{ staged_tracking_events() }}
