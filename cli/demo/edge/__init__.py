"""A local stand-in for CloudFront: routes each request by the distribution's live config."""
