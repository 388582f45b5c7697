"""Credit: each organization's standing, computed only from the outcome log (orders completed
on time or late, disputes lost, milestones accepted or sent back, contracts registered,
terminated or completed, reviews), over a window with recent events weighing more, explained
event by event and open to appeal to the region's CAST staff. Nothing self-declared counts.

Credit sits below catalogue and deals and reads their facts from the log only (credit.rules).
"""
