"""The status model: reachability and activity, each with a reason, the evidence and the lifecycle.

`crawler.score.score` puts the parts together; each module here answers one question.
"""
