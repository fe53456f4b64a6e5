"""A local SageMaker endpoint: the engine behind the AWS JSON 1.1 protocol, on a clock a test drives.

:mod:`.backend` holds what one endpoint serves (a :class:`~..engine.simulation.Simulation`, its clock,
stories and journal), and the server's parts receive it: :mod:`.sagemaker` the training-job
operations and the table they are dispatched through, :mod:`.listing` ListTrainingJobs' pages,
:mod:`.control` the ``/_tjsim`` API. :mod:`.clock` holds the manual and realtime clocks,
:mod:`.stories` which scenario a created job lives, :mod:`.journal` the SQLite state that survives a
restart and :mod:`.statefile` starting from it, :mod:`.app` the HTTP edge (Starlette), and
:mod:`.plugin` the pytest fixture.
"""
