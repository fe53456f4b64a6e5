"""A what-if over a whole fleet: a team's job history replayed under each decision."""
