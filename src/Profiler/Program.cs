return await Resorcerer.Profiler.ProfilerProgram.RunAsync(args);
