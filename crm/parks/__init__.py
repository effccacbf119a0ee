"""Parks as carriers (园区载体): land plots and the idle-land clock, standard factories,
标准地 admission thresholds, matching a lead's needs to sites, and each park's figures."""
