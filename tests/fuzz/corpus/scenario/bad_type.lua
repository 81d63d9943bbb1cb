return { policies = { { name = 5 } } }
