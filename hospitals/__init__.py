"""Master data: hospitals, departments, doctors, relations, distributors, products, usage share, sales."""
