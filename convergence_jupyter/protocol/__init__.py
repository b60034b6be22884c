"""Wire layer: our .proto schema, the generated modules and the envelope codec. No behaviour."""
