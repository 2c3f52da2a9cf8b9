return await Resorcerer.Demo.DemoRun.RunAsync(args);
