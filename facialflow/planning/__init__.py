"""Visit planning: series and maintenance schedules, their reports and calendar export."""
