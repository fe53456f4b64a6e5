"""What-if cost analysis: Monte Carlo over a scenario's variants on the replay engine itself.

:mod:`.spec` reads the ``whatif:`` section into variants, :mod:`.prices` prices them, :mod:`.stats`
aggregates replicates exactly as they stream in, :mod:`.sweep` runs them (here, in a process pool,
or on Dask), :mod:`.report` and :mod:`.plots` show the result.
"""
