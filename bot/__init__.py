"""TrustCoach: a bilingual coach for trust and emotions in buyer-supplier relationships."""
