"""Partnership records: organisations, people, the strategy, the VRU action plan and its history."""
