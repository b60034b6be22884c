"""The pure operational-transformation core: values, operations, transforms. Imports nothing of ours."""
