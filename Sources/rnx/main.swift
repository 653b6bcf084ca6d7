import JobletCore
