"""The conversation protocol: flows, options and their ids, typed state, and the router."""
