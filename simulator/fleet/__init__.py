"""A fleet's history: DescribeTrainingJob responses read from files or an endpoint
(:mod:`.records`, :mod:`.pull`), each job's measures (:mod:`.measures`), and their summary per
instance type (:mod:`.summary`)."""
