// Isolation module
