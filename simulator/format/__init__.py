"""The scenario format: the YAML a user writes, as pydantic models (:mod:`.scenario`, :mod:`.settings`,
:mod:`.events`, :mod:`.whatif`), the service's rules on its request (:mod:`.constraints`), data
validated into a scenario or its problems, and a later job or a what-if variant laid over a
scenario (:mod:`.overlay`; pydantic's errors as problems: :mod:`.problems`). The engine never
imports it: :mod:`simulator.compile` turns a scenario into the engine's
:class:`~simulator.engine.plan.Plan`."""
