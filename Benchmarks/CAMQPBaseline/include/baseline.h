int joblet_baseline_placeholder(void);
