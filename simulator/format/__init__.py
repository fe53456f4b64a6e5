"""The scenario format: the YAML a user writes, as pydantic models (:mod:`.scenario`, :mod:`.settings`,
:mod:`.whatif`), the service's rules on its request (:mod:`.constraints`), and how a later job or a
what-if variant is laid over a scenario (:mod:`.overlay`). The engine never imports it:
:mod:`simulator.compile` turns a scenario into the engine's :class:`~simulator.engine.plan.Plan`."""
