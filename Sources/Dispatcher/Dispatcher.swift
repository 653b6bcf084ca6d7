// Dispatcher module
