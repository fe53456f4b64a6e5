"""The lifecycle engine: the state table, one job as a simpy process, its history and the
DescribeTrainingJob responses read off it, and many jobs on one clock."""
