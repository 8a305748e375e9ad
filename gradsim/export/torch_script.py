def torch_script(*a): raise NotImplementedError
