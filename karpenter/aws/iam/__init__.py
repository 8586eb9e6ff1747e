"""IAM policy documents as plain data (dict in, dict out): trust, node, controller and queue policies."""
