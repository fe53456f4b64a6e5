"""A local SageMaker endpoint: the engine behind the AWS JSON 1.1 protocol, on a clock a test drives.

:mod:`.backend` is the service (the training-job operations over one :class:`~..engine.simulation.Simulation`),
:mod:`.clock` the manual and realtime clocks, :mod:`.stories` which scenario a created job lives,
:mod:`.journal` the SQLite state that survives a restart, :mod:`.app` the HTTP edge (Starlette), and
:mod:`.plugin` the pytest fixture.
"""
