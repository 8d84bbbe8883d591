"""The remote site server role: central's web app on a replica kept from central's feed."""
