return await Resorcerer.Updater.UpdaterProgram.RunAsync(args);
