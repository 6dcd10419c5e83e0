"""One module per source family: read a delivery, validate it, write raw.<family>__<table>."""
