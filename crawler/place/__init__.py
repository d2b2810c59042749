"""Where a community is: a vocabulary of places (data/regions.yml) and the evidence that places a listing."""
