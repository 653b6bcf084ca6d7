import Isolation
