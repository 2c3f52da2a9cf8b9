return await Resorcerer.Kubectl.KubectlPlugin.RunAsync(args, Console.Out, Console.Error);
