"""Key opinion leaders, on the company side of the relationship: account plans that take a doctor
up the adoption ladder, their timeline, introduction paths through the doctors' network, the
2-hop network view and the invitation lists drawn from it (docs/kol.md).

They live in segmentation because what they plan and measure is the adoption ladder and the
tier (segmentation's own data), and they read the network and usage share of hospitals below.
Visits (above) contribute the visit reports to the timeline through ``segmentation.hooks``.
"""
