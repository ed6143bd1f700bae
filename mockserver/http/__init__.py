"""What every Abiquo endpoint shares: media types, links, paging, errors, authentication, operations."""
