"""The shop: rewards, redemptions (one transaction each) and the wallet they spend."""
