"""`shopbot demo`: the whole migration on one machine, with a local AWS and edge.

stack (local AWS resources and settings) + edge/ (a CloudFront stand-in routing by the
live distribution config) + tour (the guided run of the real commands). May import any
other package; only commands/ imports it.
"""
