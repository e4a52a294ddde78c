"""The job: policy, calendar, planner, state, replies and the command line."""
