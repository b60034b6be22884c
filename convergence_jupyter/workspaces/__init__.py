"""Workspaces (issue 12 part 4): a type declares models, activities and chat rooms; an instance
creates them all in one transaction, and its membership grants access to every part."""
